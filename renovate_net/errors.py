"""User-facing errors: one line that names the problem and the fix; the CLI turns them into exit code 2."""


class UserError(ValueError):
    """Bad input from the user (a file, an option, a config key). The message is shown as is."""
