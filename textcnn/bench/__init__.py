"""``textcnn bench``: models trained and timed side by side, with classical peers."""
