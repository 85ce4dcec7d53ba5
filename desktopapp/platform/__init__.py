"""Process plumbing: paths, settings, logging, the runtime file, the data-directory lock,
thread priority. (Absolute imports throughout: `import platform` is still the stdlib's.)
"""
