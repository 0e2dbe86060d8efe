"""Data in and out: CSV and Kentico imports, staging tables, exports."""
