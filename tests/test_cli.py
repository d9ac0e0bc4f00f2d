import json

from click.testing import CliRunner

from renovate_net.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_version_and_help():
    assert run("--version").output.startswith("renovate-net, version")
    result = run("--help")
    assert result.exit_code == 0 and "Example" in result.output


def test_every_command_has_help_with_an_example():
    for name, command in cli.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "renovate-net" in result.output and "xample" in result.output, name


def test_types_json_lists_all_types():
    result = run("types", "--json")
    assert result.exit_code == 0
    types = json.loads(result.output)
    assert len(types) == 8
    for entry in types:
        assert {"id", "edits", "materials", "default_material"} <= set(entry)
        assert all(m["colour"].startswith("#") and len(m["colour"]) == 7 for m in entry["materials"])


def test_types_table():
    result = run("types")
    assert result.exit_code == 0 and "solar-panels" in result.output and "#383E42" in result.output


def test_user_error_is_one_line_exit_2(tmp_path):
    result = run("train", "--config", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: ") and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
