"""Registry look-ups: the sqlite fast path (no mlflow import) finds exactly what mlflow's client finds, and a
`models:/` URI the user's store lacks comes from the project's shipped store."""
import logging

import pytest

from renovate_net import tracking
from renovate_net.errors import UserError


@pytest.fixture
def registered(tmp_path):
    """Two versions of a model folder registered as `thing`; the alias `champion` ends on version 2."""
    folders = []
    for version in (1, 2):
        folder = tmp_path / f"v{version}"
        folder.mkdir()
        (folder / "model.json").write_text(f'{{"version": {version}}}')
        with tracking.start_run("test") as run:
            run.register(run.log_model_folder(folder), "thing")
        folders.append(folder)
    return folders


def test_fast_path_matches_mlflow_client(registered):
    client = tracking._mlflow().MlflowClient()
    for uri, version in (("models:/thing@champion", client.get_model_version_by_alias("thing", "champion")),
                         ("models:/thing/1", client.get_model_version("thing", "1"))):
        name, at, alias = uri[len("models:/"):].partition("@")
        assert tracking._sqlite_registry_source(name, alias if at else None, tracking.tracking_uri()) == version.source
    assert (tracking.resolve_model("models:/thing@champion") / "model.json").read_text() == '{"version": 2}'
    assert (tracking.resolve_model("models:/thing/1") / "model.json").read_text() == '{"version": 1}'


def test_unknown_names_fall_back_to_mlflow_and_fail_in_one_line(registered):
    assert tracking._sqlite_registry_source("thing", "nope", tracking.tracking_uri()) is None
    assert tracking._sqlite_registry_source("other/1", None, tracking.tracking_uri()) is None
    with pytest.raises(UserError, match="not found"):
        tracking.resolve_model("models:/thing@nope")
    with pytest.raises(UserError, match="not found"):
        tracking.resolve_model("models:/other/3")


def test_user_store_first_then_the_shipped_models(registered, caplog):
    """The tests' store (MLFLOW_TRACKING_URI, conftest) is the user's: what it holds comes from it, and the shipped
    champions it lacks still resolve, from the project's mlruns/, saying so."""
    with caplog.at_level(logging.INFO, logger="renovate_net"):
        assert (tracking.resolve_model("models:/thing@champion") / "model.json").read_text() == '{"version": 2}'
        assert "from MLFLOW_TRACKING_URI's registry" in caplog.text
        caplog.clear()
        shipped = tracking.resolve_model("models:/facade-segmenter@champion")
    assert shipped.is_relative_to(tracking.PROJECT_MLRUNS) and (shipped / "model.json").is_file()
    assert "using the shipped model" in caplog.text
