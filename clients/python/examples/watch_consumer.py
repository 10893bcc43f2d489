#!/usr/bin/python3
"""Another service consuming the SCC event feed: it follows Watch, handles each event, and
keeps its resume position in a file, so after a restart or a dropped connection it carries on
where it stopped — nothing missed, nothing handled twice.

    PYTHONPATH=build/python:clients/python \\
      clients/python/examples/watch_consumer.py --token dev-service --position-file feed.pos
"""

import argparse
import os
import sys
import time

from scc_client import Client, SccError, Unavailable


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("SCC_SERVER", "127.0.0.1:50051"))
    parser.add_argument("--token", default=os.environ.get("SCC_TOKEN", ""))
    parser.add_argument("--position-file", default="watch.position")
    parser.add_argument("--type", action="append", default=[], help="only these event types")
    args = parser.parse_args()

    position = 0
    if os.path.exists(args.position_file):
        with open(args.position_file) as f:
            position = int(f.read().strip() or 0)
    with Client(args.server, args.token) as scc:
        while True:
            try:
                for event, next_position in scc.watch(position, event_types=args.type):
                    if event is not None:
                        print("%8d %s %-9s %-38s by %s" % (event.global_position,
                                                           event.effective_date, event.urn,
                                                           event.type, event.actor), flush=True)
                    position = next_position
                    with open(args.position_file, "w") as f:
                        f.write(str(position))
            except Unavailable as error:
                print("feed unavailable (%s); retrying from %d" % (error.message, position),
                      file=sys.stderr)
                time.sleep(2)
            except SccError as error:
                print("watch refused: %s" % error.message, file=sys.stderr)
                return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
