"""HTTP gateway of the MyRopo suite: the MyRopo customer channel (and later Ropo One).

``python -m ropo_gateway serve`` runs it, ``python -m ropo_gateway migrate`` brings its
own database (sessions, login flows) to the latest schema.
"""

__version__ = "0.1.0"
