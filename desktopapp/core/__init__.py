"""The domain and its storage: intake, pipeline, queue, journal, state, store, imaging.

`services.Core` wires them together for one data directory. Importing this package
loads nothing: import the modules themselves.
"""
