//! The arenas that hold what a reverse sweep keeps, and the meter that measures them.
//!
//! Every checkpoint and every tape is one slice of `f64`, and a schedule releases them
//! in the reverse order of creation. So they live on a stack of `bumpalo` arenas, one
//! arena per object: releasing the top object resets its arena (keeping the chunk for
//! the next object), and the meter adds and subtracts each slice's size as it is
//! allocated and released. Peak bytes are therefore measured from the allocations the
//! sweep really makes, not estimated.

use bumpalo::Bump;
use std::alloc::Layout;
use std::ptr::NonNull;

/// One held object: its arena and the slice allocated in it.
struct Held {
    /// Owns the memory `data` points into; `data` is the arena's only allocation.
    arena: Bump,
    /// The slice, valid until `arena` is reset or dropped (both happen only when this
    /// entry is popped, after which `data` is never used).
    data: NonNull<[f64]>,
    /// The arena's reserved bytes once its one slice was allocated.
    reserved: u64,
}

// SAFETY: `Held` owns its arena exclusively; the pointer refers into that arena only.
unsafe impl Send for Held {}

/// A stack of slices in per-object bump arenas, with a byte meter.
pub(crate) struct ArenaStack {
    /// Live objects, bottom first.
    held: Vec<Held>,
    /// Reset arenas kept for reuse.
    pool: Vec<Bump>,
    /// Bytes of the live slices (plus `base`).
    bytes: u64,
    /// Largest `bytes` seen.
    peak: u64,
    /// Sum of the held arenas' capacities, kept as they come and go (summing them on
    /// every push cost O(held) a push: 0.5 us a segment under 316 checkpoints).
    reserved: u64,
    /// Largest sum of arena capacities seen (what the arenas reserved).
    reserved_peak: u64,
}

impl ArenaStack {
    /// An empty stack whose meter starts at `base` bytes (memory held for the whole
    /// sweep elsewhere, e.g. working and adjoint slots), drawing arenas from `pool`.
    pub(crate) fn new(base: u64, pool: Vec<Bump>) -> ArenaStack {
        ArenaStack {
            held: Vec::new(),
            pool,
            bytes: base,
            peak: base,
            reserved: 0,
            reserved_peak: 0,
        }
    }

    /// Pushes a zeroed slice of `len` values and returns its position in the stack.
    #[cfg(test)]
    pub(crate) fn push(&mut self, len: usize) -> usize {
        // SAFETY: `fill` writes all `len` values.
        unsafe { self.push_filled(len, 0, |p| std::ptr::write_bytes(p, 0, len)) }
    }

    /// Pushes a slice of `len` values that `fill` writes, given a pointer to the first
    /// (no zeroing first: checkpoints and tapes are overwritten whole), and returns its
    /// position in the stack. `spare` more values after the slice are allocated for
    /// `fill` to scribble on (a recording stores without testing whether a value is
    /// kept); they are not part of the slice, nor metered as held bytes.
    ///
    /// # Safety
    /// `fill` writes every one of the `len` values, and nothing outside the `len +
    /// spare`.
    pub(crate) unsafe fn push_filled(
        &mut self,
        len: usize,
        spare: usize,
        fill: impl FnOnce(*mut f64),
    ) -> usize {
        let arena = self.pool.pop().unwrap_or_default();
        let layout = Layout::array::<f64>(len.saturating_add(spare))
            .unwrap_or_else(|_| Layout::new::<f64>());
        let first = arena.alloc_layout(layout).cast::<f64>();
        fill(first.as_ptr());
        let data = NonNull::slice_from_raw_parts(first, len);
        self.bytes += (len * std::mem::size_of::<f64>()) as u64;
        self.peak = self.peak.max(self.bytes);
        let reserved = arena.allocated_bytes() as u64;
        self.held.push(Held {
            arena,
            data,
            reserved,
        });
        self.reserved += reserved;
        self.reserved_peak = self.reserved_peak.max(self.reserved);
        self.held.len() - 1
    }

    /// Releases the top object.
    pub(crate) fn pop(&mut self) {
        if let Some(mut h) = self.held.pop() {
            self.bytes -= std::mem::size_of_val(self.slice_of(&h)) as u64;
            self.reserved -= h.reserved;
            h.arena.reset();
            self.pool.push(h.arena);
        }
    }

    fn slice_of<'a>(&self, h: &'a Held) -> &'a [f64] {
        // SAFETY: `h.data` points into `h.arena`, which is alive and not reset while
        // `h` is on the stack; no `&mut` to it exists while this shared borrow lives.
        unsafe { h.data.as_ref() }
    }

    /// The object at stack position `i`.
    pub(crate) fn get(&self, i: usize) -> &[f64] {
        self.slice_of(&self.held[i])
    }

    /// The object at stack position `i`, mutably.
    #[cfg(test)]
    pub(crate) fn get_mut(&mut self, i: usize) -> &mut [f64] {
        // SAFETY: as in `slice_of`; `&mut self` makes this the only borrow.
        unsafe { self.held[i].data.as_mut() }
    }

    /// Releases everything and gives back the arenas for the next sweep.
    pub(crate) fn into_pool(mut self) -> Vec<Bump> {
        while !self.held.is_empty() {
            self.pop();
        }
        self.pool
    }

    /// Number of live objects.
    pub(crate) fn len(&self) -> usize {
        self.held.len()
    }

    /// The largest number of bytes held at once (base included).
    pub(crate) fn peak(&self) -> u64 {
        self.peak
    }

    /// The largest total capacity the arenas reserved at once.
    pub(crate) fn reserved_peak(&self) -> u64 {
        self.reserved_peak
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_follows_pushes_and_pops() {
        let mut s = ArenaStack::new(16, Vec::new());
        let a = s.push(4);
        s.get_mut(a)[3] = 2.5;
        let b = s.push(10);
        assert_eq!(s.peak(), 16 + 8 * 14);
        s.pop();
        assert_eq!(s.len(), 1);
        assert_eq!(s.get(a)[3], 2.5);
        let c = s.push(2);
        assert_eq!(b, c);
        assert_eq!(s.get(c), &[0.0, 0.0]);
        s.pop();
        s.pop();
        assert_eq!(s.peak(), 16 + 8 * 14);
        assert!(s.reserved_peak() >= 8 * 14);
    }
}
