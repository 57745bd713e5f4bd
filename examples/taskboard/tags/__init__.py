"""Tags: a project's labels."""
