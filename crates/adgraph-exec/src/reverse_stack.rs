//! The stack that holds what a reverse sweep keeps, and the meter that measures it.
//!
//! Every checkpoint and every tape is one slice of `f64`, and a schedule releases them
//! in the reverse order of creation. So they live on one stack: a buffer kept from sweep
//! to sweep (in the workspace), the objects laid end to end in it, with the start of
//! each live object on a second stack. Pushing an object moves the top up, popping
//! moves it back: no allocator on the way (a `bumpalo` arena per object, reset and
//! pooled, cost about 170 machine instructions a push and pop, a tenth of a revolve
//! gradient on the RK4 chain). The meter is the top itself: bytes held are the bytes of
//! the live slices where they sit in the buffer, measured as the sweep runs.
//!
//! The working slots sit at the bottom of the same buffer, below the objects, so the
//! backward sweep reads an operand, a working slot or a value on the tape, from one
//! base: a segment's tape is always at the same place when it is swept backward (the
//! schedule is fixed), so the plan's layout turns tape offsets into positions in the
//! buffer once ([`crate::reverse_code::Bwd::lower`]), and no operand picks its base.
//! Nothing here hands out references to the buffer: working slots and objects are
//! reached through [`ObjectStack::as_mut_ptr`], so slices of disjoint parts coexist.

/// The memory of an [`ObjectStack`], kept between sweeps.
#[derive(Default)]
pub(crate) struct StackMemory {
    /// The objects, end to end; grown (never shrunk) to fit.
    buffer: Vec<f64>,
    /// Start in `buffer` of each live object, bottom first (empty between sweeps).
    starts: Vec<usize>,
}

impl StackMemory {
    /// Bytes reserved.
    pub(crate) fn reserved(&self) -> usize {
        self.buffer.capacity() * std::mem::size_of::<f64>()
            + self.starts.capacity() * std::mem::size_of::<usize>()
    }
}

/// A stack of slices laid end to end in one buffer above a floor of working slots,
/// with a byte meter.
pub(crate) struct ObjectStack {
    memory: StackMemory,
    /// Values below the first object (the working slots), not metered here.
    floor: usize,
    /// End of the top object in `memory.buffer` (values).
    top: usize,
    /// Bytes held elsewhere for the whole sweep (working and adjoint slots).
    base: u64,
    /// Largest `top` seen.
    peak: usize,
    /// Largest extent of the buffer written: `top`, or past it the spare places a
    /// push gave its `fill`.
    extent: usize,
}

impl ObjectStack {
    /// An empty stack in `memory`, its buffer at least `capacity` values (it never
    /// grows after), the first `floor` of them working slots; its meter starts at
    /// `base` bytes (memory held for the whole sweep: working and adjoint slots).
    pub(crate) fn new(
        base: u64,
        mut memory: StackMemory,
        floor: usize,
        capacity: usize,
    ) -> ObjectStack {
        memory.starts.clear();
        if memory.buffer.len() < capacity.max(floor) {
            memory.buffer.resize(capacity.max(floor), 0.0);
        }
        ObjectStack {
            memory,
            floor,
            top: floor,
            base,
            peak: floor,
            extent: floor,
        }
    }

    /// The buffer's first value (the working slots, then the objects): valid for
    /// the stack's life, as the buffer never grows once made.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut f64 {
        self.memory.buffer.as_mut_ptr()
    }

    /// Where the next object would start (values from the buffer's first).
    #[cfg(debug_assertions)]
    pub(crate) fn top(&self) -> usize {
        self.top
    }

    /// Pushes a zeroed slice of `len` values and returns its position in the stack.
    #[cfg(test)]
    pub(crate) fn push(&mut self, len: usize) -> usize {
        // SAFETY: `fill` writes all `len` values.
        unsafe { self.push_filled(len, 0, |p| std::ptr::write_bytes(p, 0, len)) }
    }

    /// Pushes a slice of `len` values that `fill` writes, given a pointer to the first
    /// (no zeroing first: checkpoints and tapes are overwritten whole), and returns its
    /// position in the stack. `spare` more values after the slice are there for `fill`
    /// to scribble on (a recording stores without testing whether a value is kept);
    /// they are not part of the slice, nor metered as held bytes.
    ///
    /// # Safety
    /// `fill` writes every one of the `len` values, and nothing outside the `len +
    /// spare`.
    #[inline]
    pub(crate) unsafe fn push_filled(
        &mut self,
        len: usize,
        spare: usize,
        fill: impl FnOnce(*mut f64),
    ) -> usize {
        let start = self.top;
        let end = start + len + spare;
        // The buffer never grows: pointers into it are held across pushes. (The
        // capacity is the schedule's extent, laid out with the plan.)
        assert!(
            end <= self.memory.buffer.len(),
            "the stack outgrew its layout"
        );
        fill(self.memory.buffer.as_mut_ptr().add(start));
        self.memory.starts.push(start);
        self.top = start + len;
        self.peak = self.peak.max(self.top);
        self.extent = self.extent.max(end);
        self.memory.starts.len() - 1
    }

    /// Releases the top object.
    #[inline]
    pub(crate) fn pop(&mut self) {
        if let Some(start) = self.memory.starts.pop() {
            self.top = start;
        }
    }

    /// The object at stack position `i` (a slice made from the buffer's pointer, so
    /// the working slots' slices stay valid).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> &[f64] {
        let starts = &self.memory.starts;
        let (start, end) = (starts[i], starts.get(i + 1).copied().unwrap_or(self.top));
        // SAFETY: `start <= end <= top <= buffer.len()`; objects do not overlap the
        // working slots (below `floor`) or each other.
        unsafe { std::slice::from_raw_parts(self.memory.buffer.as_ptr().add(start), end - start) }
    }

    /// The object at stack position `i`, mutably.
    #[cfg(test)]
    pub(crate) fn get_mut(&mut self, i: usize) -> &mut [f64] {
        let starts = &self.memory.starts;
        let end = starts.get(i + 1).copied().unwrap_or(self.top);
        &mut self.memory.buffer[starts[i]..end]
    }

    /// Releases everything and gives back the memory for the next sweep.
    pub(crate) fn into_memory(mut self) -> StackMemory {
        self.memory.starts.clear();
        self.memory
    }

    /// Number of live objects.
    pub(crate) fn len(&self) -> usize {
        self.memory.starts.len()
    }

    /// The largest number of bytes held at once: `base` and the live slices.
    pub(crate) fn peak(&self) -> u64 {
        self.base + ((self.peak - self.floor) * std::mem::size_of::<f64>()) as u64
    }

    /// The largest number of bytes of the objects' part of the buffer in use at once:
    /// the live slices and the spare places given to a push.
    pub(crate) fn reserved_peak(&self) -> u64 {
        ((self.extent - self.floor) * std::mem::size_of::<f64>()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_follows_pushes_and_pops() {
        let mut s = ObjectStack::new(16, StackMemory::default(), 3, 3 + 1006);
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
        let d = s.push(1000);
        assert_eq!(s.get(a)[3], 2.5);
        assert_eq!(s.get(d).len(), 1000);
        s.pop();
        s.pop();
        s.pop();
        assert_eq!(s.peak(), 16 + 8 * 1006);
        assert!(s.reserved_peak() >= 8 * 1006);
        // The memory comes back empty, its buffer kept.
        let m = s.into_memory();
        assert!(m.starts.is_empty() && m.buffer.len() >= 1009);
    }
}
