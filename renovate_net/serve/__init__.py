"""`renovate-net serve`: a web page and an HTTP API over the renderer (see docs/serve.md).

app.py builds the FastAPI app, form.py reads uploads in memory, uploads.py decodes and checks photos,
jobs.py turns one request into one render, worker.py bounds the queue, static/ holds the page.
"""
