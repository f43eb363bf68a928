"""Board files (one TOML per board), shipped inside the wheel as ``edgekit.boards``; see edgekit.catalog."""
