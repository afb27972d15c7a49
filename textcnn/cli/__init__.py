"""The ``textcnn`` command line: ``main`` and one module per command."""
