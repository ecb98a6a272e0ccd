"""Authorization service: who may see and act on which invoice.

Layers (dependencies point inwards): ``entrypoints`` → ``service_layer`` → ``domain``;
``adapters`` implement the ports the service layer defines; ``bootstrap`` wires them.
"""

__version__ = "0.1.0"
