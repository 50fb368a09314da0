"""Merging partial top-k results: the combine step of a sharded exact search.

Order, as in EmbeddingIndex: best score first ("cosine"/"dot": larger is better; "l2":
smaller squared distance is better), equal scores by the smaller id. Scores are not
recomputed, only selected, so merged scores are bitwise those the shards returned.
"""

import numpy as np


def merge_topk(parts, k, ascending):
    """(scores, ids) of the k best among `parts`, a list of (scores, ids) pairs of 2-D arrays
    (nq, k_i), each already sorted. Returns (nq, min(k, sum k_i)) arrays.

    Example:
        >>> from fuseflow.dask import merge_topk
        >>> a = (np.array([[0.9, 0.5]]), np.array([[7, 3]]))  # shard 1's top-2, best first
        >>> b = (np.array([[0.7, 0.5]]), np.array([[4, 1]]))  # shard 2's
        >>> scores, ids = merge_topk([a, b], 3, ascending=False)  # larger is better (dot/cosine)
        >>> scores.tolist(), ids.tolist()  # equal scores: the smaller id first
        ([[0.9, 0.7, 0.5]], [[7, 4, 1]])
    """
    parts = [p for p in parts if p[0].shape[1] > 0] or parts[:1]
    scores = np.concatenate([p[0] for p in parts], axis=1)
    ids = np.concatenate([p[1] for p in parts], axis=1)
    nq, total = scores.shape
    keep = min(k, total)
    if total == 0 or nq == 0:
        return scores[:, :keep], ids[:, :keep]
    primary = scores if ascending else -scores.astype(np.float64)
    # np.lexsort sorts by the last key first: primary score, then id.
    order = np.lexsort((ids, primary), axis=1)[:, :keep]
    rows = np.arange(nq)[:, None]
    return np.ascontiguousarray(scores[rows, order]), np.ascontiguousarray(ids[rows, order])


def tree_merge(parts, k, ascending, fan_in=2):
    """Local (non-Dask) tree merge, the same pairing the distributed merge uses."""
    while len(parts) > 1:
        parts = [merge_topk(parts[i:i + fan_in], k, ascending) for i in range(0, len(parts), fan_in)]
    return parts[0]
