"""The volunteer dispatch service (绿挎包, Green Satchel volunteer teams)."""
