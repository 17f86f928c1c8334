"""`vrest serve`: the explorer, an HTTP API and a static page. No physics here.

Modules: ``app`` (FastAPI app factory, error handling), ``schemas`` (request models and
limits), ``cells`` (requests -> Cells, presets -> controls), ``compute`` (time courses, steady
states, explanations), ``experiments`` (one-click experiments), ``guide`` (the lecture's steps).
"""
