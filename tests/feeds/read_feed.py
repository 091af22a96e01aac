"""Reads a remedy-net node's Atom feed with Python's feedparser (a parser
nobody at remedy-net wrote) and prints what it read as JSON.

Usage: read_feed.py URL   (the URL carries ?token=...)
"""

import json
import sys
import urllib.request

import feedparser

with urllib.request.urlopen(sys.argv[1]) as answer:
    content_type = answer.headers.get("Content-Type", "")
    body = answer.read()
feed = feedparser.parse(body)
json.dump(
    {
        "content_type": content_type,
        "bozo": bool(feed.bozo),
        "version": feed.version,
        "title": feed.feed.get("title", ""),
        "entries": [
            {
                "id": e.id,
                "title": e.title,
                "updated": e.updated,
                "category": e.tags[0].term if e.get("tags") else "",
            }
            for e in feed.entries
        ],
    },
    sys.stdout,
)
