"""The application's screens, one module each."""
