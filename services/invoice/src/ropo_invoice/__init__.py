"""Invoice service of the MyRopo suite: creditors, invoices, ledger and Finvoice import.

Layers (dependencies point inwards): ``entrypoints`` → ``service_layer`` → ``domain``;
``adapters`` implement the ports the service layer defines; ``bootstrap`` wires them.
"""

__version__ = "0.1.0"
