"""
The administrators' side of chatd: the moderation console (over telnet, SSH
and the daemon's terminal), its credentials, and the Python manhole.
"""
