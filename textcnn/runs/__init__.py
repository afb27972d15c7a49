"""A run's life: its folder, the setup, training and resuming, loading a finished run, metrics, cv."""
