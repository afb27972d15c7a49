"""``textcnn serve``: a trained run behind HTTP, and the page that shows it reading."""
