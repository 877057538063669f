"""The core under every way in: the workspace, lookup of names, and answering."""
