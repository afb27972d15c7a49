"""Exporting a trained run for other runtimes: ONNX graphs (:mod:`.onnx`) built from export-ready modules
(:mod:`.graphs`)."""

from .graphs import ExportedLookup, ExportedTextCNN, exportable

__all__ = ["ExportedLookup", "ExportedTextCNN", "exportable"]
