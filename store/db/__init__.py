"""The database itself: models, schema migrations, connections and each engine's SQL."""
