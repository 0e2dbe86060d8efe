"""Read models: what screens and commands list, page by page, as frozen rows."""
