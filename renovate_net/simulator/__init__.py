"""The procedural renovation renderer: a real photo + its facade labels + a request -> the photo renovated by
drawing (`renovation.py`), from the scene's analysis (`scene.py`), on a canvas (`canvas.py`) with procedural
materials (`textures.py`): re-surfacing (`resurface.py`), pools, garages and solar panels, plus whole procedural
houses (`synthetic.py`). `data build` makes training pairs with it, `evaluate` its targets, and render lays its
drawings of added objects and fine materials into the photo."""
