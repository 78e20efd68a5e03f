"""The shipped model: packaged into the wheel as onward.shipped_model (see pyproject.toml)."""
