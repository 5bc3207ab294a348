package io.pingstack.gateway;

import io.pingstack.model.DecodedBatch;
import java.util.List;

/** The outcome of one accepted request: what was stored, what was a duplicate, what was refused and why. */
record IngestResult(int accepted, int duplicates, List<DecodedBatch.Rejected> rejected) {}
