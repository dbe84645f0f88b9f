"""The edge: the only part of tierbook that knows click, terminals, worker processes and the
folders people drop files in. It finds the inputs, calls the library for each, and turns every
error into one paragraph and an exit code (``messages``)."""
