"""The progress stream: how a journal row reaches a socket.

A writer commits the row (`core.journal.WriteTransaction`) and the bus (`core.events`)
announces the batch's new head; the hub (`hub`) hops onto the server loop, reads the new
rows once and encodes them once (`page_reads.Page`, `sse.encode_event`), and writes the
page to every live stream of the batch (`event_stream.PhotoLotEventStream`, aiohttp-sse's
response). A stream that is not live (opening, lagging, finishing) is served by its own
task (`stream`, `GET /api/batches/{id}/stream`), which reads and writes what its client
lacks itself, then goes live again.
"""
