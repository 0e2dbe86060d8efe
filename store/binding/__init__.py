"""The condition language bound to our tables: checking, SQL and one contact in memory."""
