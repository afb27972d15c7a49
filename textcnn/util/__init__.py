"""Helpers every part uses: atomic files, progress bars, process settings, headless figures."""
