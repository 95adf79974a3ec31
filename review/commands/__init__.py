"""One module per `callreview` subcommand; each defines `register(subparsers)`."""
