"""The reliability suite: concurrency, faults, bad input and security, against the running shop."""
