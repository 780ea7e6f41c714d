"""The web console: server-rendered pages in Simplified Chinese (English available) that
log in through the identity service and act through the services' APIs with the user's
own token. It holds no data of its own."""
