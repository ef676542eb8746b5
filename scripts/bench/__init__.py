"""
The benchmark: a real C{twistd -n chatd} (or ngIRCd, InspIRCd, or a cluster
of chatd nodes on Redis) loaded over 127.0.0.1 by a lean epoll generator.
Run it with C{.venv/bin/python -m scripts.bench}; see README.md here.
"""
