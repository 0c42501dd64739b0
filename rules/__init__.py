"""The built-in alflint rule catalogue (registered through the `alflint` entry point group)."""
