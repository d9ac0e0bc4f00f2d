"""renovate-net: see your own house after renovation (facade, windows, roof, solar, pool, garage, driveway)."""
__version__ = "0.1.0"
