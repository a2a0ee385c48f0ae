"""The domain: plain async services that never import `telegram`."""
