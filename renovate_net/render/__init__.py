"""Rendering a renovation onto a photo: the pipeline (`Renovator`), the compositor, the simulator drawings laid
in at render time, label guidance, the segmenter's runtime, and the file handling of `render` and `segment`."""
