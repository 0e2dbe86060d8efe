"""The rebuild engine: rebuilds, re-evaluation, locks and the schedule that runs them."""
