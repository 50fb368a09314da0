// Row-block groups (Step::kRowBlocks): a chain of row-wise steps run block of rows by block of
// rows, so the chain's temporaries are a block (~128 KB each) that stays in the core's L2
// instead of full arrays streamed through memory between steps. A (4096, 1024) float32
// layer-norm lowers to 5 steps that read or wrote 112 MB in total; run by blocks it reads its
// 16 MB input once and writes its 16 MB output once.
#include "exec/row_blocks.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "fuseflow/core/error.h"
#include "fuseflow/core/helper_pool.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {
namespace {

// Bytes of one block of rows of the widest array the group touches: the block's temporaries
// (a few arrays of this size per thread) then fit the 1-2 MB L2 of current cores.
constexpr std::int64_t kBlockBytes = 128 * 1024;
constexpr std::int64_t kMinSplitBytes = 48 * 1024;

// Rows [r0, r0 + rows) of `v`, whose first axis has `total` rows, as a borrowed view.
Value slice_rows(const Value& v, std::int64_t r0, std::int64_t rows, std::int64_t total) {
  Value out = v;
  if (!v.is_array()) return out;
  const std::int64_t per_row = v.length / total;
  const auto es = static_cast<std::size_t>(elem_size(v.type));
  out.length = rows * per_row;
  if (out.rank >= 2) out.dims[0] = rows;
  const char* base = static_cast<const char*>(v.raw_data()) + static_cast<std::size_t>(r0 * per_row) * es;
  out.storage = std::make_shared<Storage>(base, static_cast<std::size_t>(out.length) * es, v.storage);
  return out;
}

}  // namespace

void run_row_blocks(const RowBlockStep& s, RunState& state, void (*run_body)(const std::vector<Step>&, RunState&)) {
  std::vector<Value>& slots = state.slots;
  const std::int64_t total = evaluate_length(s.rows, slots);
  std::int64_t row_bytes = 1;
  std::vector<std::int64_t> full_length(s.escaping.size());
  if (total > 0) {
    for (int k : s.sliced) {
      const Value& v = slots[static_cast<std::size_t>(k)];
      if (v.is_array()) row_bytes = std::max<std::int64_t>(row_bytes, v.length / total * elem_size(v.type));
    }
    for (std::size_t k = 0; k < s.escaping.size(); ++k) {
      full_length[k] = evaluate_length(s.escaping_lengths[k], slots);
      row_bytes = std::max<std::int64_t>(row_bytes, full_length[k] / total * elem_size(s.escaping_types[k]));
    }
  }
  std::int64_t block_rows = std::max<std::int64_t>(1, kBlockBytes / row_bytes);
  // A group too small for two blocks of kBlockBytes still splits across the threads from
  // kMinSplitBytes: row softmax of (64, 256) float32 (64 KiB) 15.8 -> 11.2 us on 2 cores; at 32 KiB
  // the fork and the blocks' frames (~3 us) ate the gain.
  const int threads = threads_for(total, 1);
  if (threads > 1 && total * row_bytes >= kMinSplitBytes) block_rows = std::min(block_rows, (total + threads - 1) / threads);
  const std::int64_t nblocks = total > 0 ? (total + block_rows - 1) / block_rows : 0;
  if (nblocks <= 1) {
    run_body(s.body, state);  // one block: the steps as they are, on the whole arrays
    return;
  }
  // Per escaping value: its full array, elements and bytes per row, and whether the block's
  // steps write it straight into that array (not read before the group writes it).
  const std::size_t nesc = s.escaping.size();
  std::vector<Value> full;
  std::vector<std::int64_t> per_row(nesc);
  std::vector<std::size_t> row_size(nesc);
  std::vector<char> direct(nesc);
  for (std::size_t k = 0; k < nesc; ++k) {
    direct[k] = std::find(s.sliced.begin(), s.sliced.end(), s.escaping[k]) == s.sliced.end();
    if (direct[k]) {
      // The group does not read the slot's value: its buffer, if the slot is its sole owner and
      // of the size (a caller's out= array bound by Compiled::run_into, or the previous call's
      // result nobody kept), takes the rows; no fresh pages per call.
      Value v = std::move(slots[static_cast<std::size_t>(s.escaping[k])]);
      ensure_writable_array(v, s.escaping_types[k], full_length[k], "array");
      full.push_back(std::move(v));
    } else {
      full.push_back(Value::array(s.escaping_types[k], full_length[k]));
    }
    per_row[k] = full_length[k] / total;
    row_size[k] = static_cast<std::size_t>(per_row[k]) * static_cast<std::size_t>(elem_size(s.escaping_types[k]));
  }
  // Where block r0's rows of escaping value k go.
  auto window = [&](std::size_t k, std::int64_t r0) {
    return static_cast<void*>(static_cast<char*>(full[k].storage->data()) + static_cast<std::size_t>(r0) * row_size[k]);
  };
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  const std::thread::id caller = std::this_thread::get_id();
  // Blocks go to whoever asks next (as OpenMP's dynamic schedule of 1): any number of
  // participants, one included, does the whole group, and results do not depend on who did which
  // block. Only the calling thread polls for Ctrl-C.
  const std::function<void()> participate = [&] {
    try {
      // The participant's frame: the run's values (shared, never written: a step writing a slot
      // gets a buffer of its own, ensure_writable_array), the R-row inputs cut to the block's rows.
      // Made on the first block it takes: a helper that arrives late makes none.
      std::optional<RunState> frame;
      const bool master = std::this_thread::get_id() == caller;
      for (;;) {
        if (stop.load(std::memory_order_relaxed)) break;
        const std::int64_t b = next.fetch_add(1, std::memory_order_relaxed);
        if (b >= nblocks) break;
        if (master) check_interrupt();
        if (!frame) frame.emplace(slots);
        const std::int64_t r0 = b * block_rows;
        const std::int64_t rows = std::min(block_rows, total - r0);
        for (int k : s.sliced) {
          frame->slots[static_cast<std::size_t>(k)] = slice_rows(slots[static_cast<std::size_t>(k)], r0, rows, total);
        }
        // An escaping value not read before the group writes it is written straight into its
        // full array (a writable window the steps' ensure_writable_array keeps); else copied.
        for (std::size_t k = 0; k < nesc; ++k) {
          if (!direct[k]) continue;
          Value& v = frame->slots[static_cast<std::size_t>(s.escaping[k])];
          v = Value{};
          v.kind = SlotKind::kArray;
          v.type = s.escaping_types[k];
          v.length = rows * per_row[k];
          v.storage = std::make_shared<Storage>(window(k, r0), static_cast<std::size_t>(rows) * row_size[k],
                                                full[k].storage, Storage::WritableView{});
        }
        run_body(s.body, *frame);
        for (std::size_t k = 0; k < nesc; ++k) {
          const Value& v = frame->slots[static_cast<std::size_t>(s.escaping[k])];
          if (!v.is_array() || v.length != rows * per_row[k]) {
            throw Error(ErrorCode::kInternal, "row blocks: a block's value has not the block's rows");
          }
          if (v.raw_data() == window(k, r0)) continue;  // written in place
          std::memcpy(window(k, r0), v.raw_data(), static_cast<std::size_t>(rows) * row_size[k]);
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      stop.store(true);
    }
  };
  const int team = threads_for(nblocks, 1);
  if (nblocks <= team) {
    // A small group (a block per thread): helpers join when they are awake instead of the caller
    // waiting for them at a barrier (core/helper_pool.h). Row softmax of (64, 256) float32 on 2
    // cores with an OpenMP region: 31 us after 1 ms idle, 68 us after 5 ms (the worker's
    // wake-up); with late-joining helpers 27 and 23 us, and the same 10-12 us back to back.
    run_with_helpers(team - 1, participate);
  } else {
#pragma omp parallel num_threads(team)
    participate();
  }
  if (error) std::rethrow_exception(error);
  for (std::size_t k = 0; k < nesc; ++k) slots[static_cast<std::size_t>(s.escaping[k])] = std::move(full[k]);
}

}  // namespace fuseflow::exec
