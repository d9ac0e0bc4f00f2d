"""Registry look-ups: the sqlite fast path (no mlflow import) finds exactly what mlflow's client finds."""
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
        assert tracking._sqlite_registry_source(name, alias if at else None) == version.source
    assert (tracking.resolve_model("models:/thing@champion") / "model.json").read_text() == '{"version": 2}'
    assert (tracking.resolve_model("models:/thing/1") / "model.json").read_text() == '{"version": 1}'


def test_unknown_names_fall_back_to_mlflow_and_fail_in_one_line(registered):
    assert tracking._sqlite_registry_source("thing", "nope") is None
    assert tracking._sqlite_registry_source("other/1", None) is None
    with pytest.raises(UserError, match="not found"):
        tracking.resolve_model("models:/thing@nope")
    with pytest.raises(UserError, match="not found"):
        tracking.resolve_model("models:/other/3")
