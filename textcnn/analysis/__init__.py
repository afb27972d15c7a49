"""Reading a trained TextCNN: exact n-gram explanations, their views, and what each filter detects."""
