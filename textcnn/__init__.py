"""textcnn: convolutional networks for images and text, from the primitives up."""

__version__ = "0.1.0"
