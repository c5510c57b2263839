//! The engine on its own thread: it simulates days at the requested pace, pushes a snapshot
//! after each one and takes control messages back, so the UI never waits on simulation.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::experiment::{Engine, Snapshot};
use crate::scenario::Scenario;

/// Simulation pace: days per second, or as fast as the engine can go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speed(usize);

impl Speed {
    /// Days per second of each level; `None` is flat out. Slow levels are for a class
    /// watching numbers move; fast ones for getting to the end.
    const LEVELS: [Option<f64>; 8] = [
        Some(0.5),
        Some(1.0),
        Some(2.0),
        Some(5.0),
        Some(10.0),
        Some(30.0),
        Some(100.0),
        None,
    ];

    /// The slowest pace.
    pub const SLOWEST: Speed = Speed(0);
    /// The pace the dashboard starts at: a 30-day scenario takes six seconds.
    pub const DEFAULT: Speed = Speed(3);
    /// As fast as the engine can go.
    pub const FLAT_OUT: Speed = Speed(Self::LEVELS.len() - 1);

    /// Days per second, `None` when flat out.
    pub fn days_per_second(self) -> Option<f64> {
        Self::LEVELS[self.0]
    }

    /// The next faster level (stays at flat out).
    pub fn faster(self) -> Speed {
        Speed((self.0 + 1).min(Self::LEVELS.len() - 1))
    }

    /// The next slower level (stays at the slowest).
    pub fn slower(self) -> Speed {
        Speed(self.0.saturating_sub(1))
    }

    /// Time between days, `None` when flat out.
    fn interval(self) -> Option<Duration> {
        self.days_per_second()
            .map(|d| Duration::from_secs_f64(1.0 / d))
    }

    /// `5 d/s`, `0.5 d/s` or `flat out`.
    pub fn label(self) -> String {
        match self.days_per_second() {
            Some(d) if d < 1.0 => format!("{d} d/s"),
            Some(d) => format!("{d:.0} d/s"),
            None => "flat out".into(),
        }
    }
}

impl Default for Speed {
    fn default() -> Self {
        Speed::DEFAULT
    }
}

/// What the UI tells the engine.
#[derive(Debug)]
pub enum Control {
    /// Stop or resume simulating days.
    Pause(bool),
    /// Change the pace.
    Speed(Speed),
    /// Simulate one day now (meant for when paused).
    Step,
    /// Throw the run away and start `scenario` from day 0, tagged `run` so that snapshots
    /// of the old run still in the channel can be told apart.
    Restart {
        /// Tag of the new run.
        run: u64,
        /// Scenario of the new run (a new seed or a newly loaded file).
        scenario: Box<Scenario>,
    },
}

/// What the engine tells the UI.
#[derive(Debug)]
pub enum EngineEvent {
    /// The state after a day (or day 0, right after a start).
    Update {
        /// Tag of the run this snapshot belongs to.
        run: u64,
        /// The snapshot.
        snapshot: Box<Snapshot>,
    },
}

/// The UI's end of the engine thread.
pub struct EngineHandle {
    control: Sender<Control>,
    events: Receiver<EngineEvent>,
    // Kept so the thread is not detached silently; the UI does not join it on quit, as a
    // long day of a big scenario must not delay leaving.
    _thread: JoinHandle<()>,
}

impl EngineHandle {
    /// Starts the engine thread on `scenario` (run 0), running at `speed`.
    pub fn spawn(scenario: Scenario, speed: Speed) -> std::io::Result<Self> {
        let (control, control_rx) = mpsc::channel();
        let (events_tx, events) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("shoplab-engine".into())
            .spawn(move || Worker::new(scenario, speed, control_rx, events_tx).run())?;
        Ok(EngineHandle {
            control,
            events,
            _thread: thread,
        })
    }

    /// Sends a control message; `false` if the engine thread is gone.
    pub fn send(&self, message: Control) -> bool {
        self.control.send(message).is_ok()
    }

    /// Every event waiting now, without blocking; `Err` if the engine thread died.
    pub fn drain(&self) -> Result<Vec<EngineEvent>, EngineGone> {
        let mut out = Vec::new();
        loop {
            match self.events.try_recv() {
                Ok(e) => out.push(e),
                Err(TryRecvError::Empty) => return Ok(out),
                Err(TryRecvError::Disconnected) => return Err(EngineGone),
            }
        }
    }
}

/// The engine thread stopped (it panicked: it never stops on its own while the UI lives).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the simulation thread stopped unexpectedly")]
pub struct EngineGone;

struct Worker {
    engine: Engine,
    run: u64,
    paused: bool,
    speed: Speed,
    next_due: Instant,
    control: Receiver<Control>,
    events: Sender<EngineEvent>,
}

impl Worker {
    fn new(
        scenario: Scenario,
        speed: Speed,
        control: Receiver<Control>,
        events: Sender<EngineEvent>,
    ) -> Self {
        Worker {
            engine: Engine::new(scenario),
            run: 0,
            paused: false,
            speed,
            next_due: Instant::now(),
            control,
            events,
        }
    }

    /// Loops until the UI hangs up.
    fn run(mut self) {
        if !self.publish() {
            return;
        }
        loop {
            let message = match self.wait() {
                Ok(m) => m,
                Err(Hangup) => return,
            };
            let alive = match message {
                Some(m) => self.handle(m),
                None => self.simulate_day(),
            };
            if !alive {
                return;
            }
        }
    }

    /// Waits for a control message until the next day is due; `None` means "simulate now".
    fn wait(&self) -> Result<Option<Control>, Hangup> {
        let idle = self.paused || self.engine.finished();
        if idle {
            return self.control.recv().map(Some).map_err(|_| Hangup);
        }
        let now = Instant::now();
        if self.speed.interval().is_some() && now < self.next_due {
            return match self.control.recv_timeout(self.next_due - now) {
                Ok(m) => Ok(Some(m)),
                Err(RecvTimeoutError::Timeout) => Ok(None),
                Err(RecvTimeoutError::Disconnected) => Err(Hangup),
            };
        }
        // Due (or flat out): still take pending messages first, so pause and restart act at
        // once even when the engine never waits.
        match self.control.try_recv() {
            Ok(m) => Ok(Some(m)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Disconnected) => Err(Hangup),
        }
    }

    fn handle(&mut self, message: Control) -> bool {
        match message {
            Control::Pause(p) => {
                self.paused = p;
                self.next_due = Instant::now();
                true
            }
            Control::Speed(s) => {
                self.speed = s;
                self.next_due = Instant::now();
                true
            }
            Control::Step => {
                if self.engine.finished() {
                    true
                } else {
                    self.engine.step();
                    self.publish()
                }
            }
            Control::Restart { run, scenario } => {
                self.engine = Engine::new(*scenario);
                self.run = run;
                self.paused = false;
                self.next_due = Instant::now();
                self.publish()
            }
        }
    }

    fn simulate_day(&mut self) -> bool {
        let started = Instant::now();
        self.engine.step();
        // Pace from the start of the day, so the rate holds when a day takes a while; never
        // schedule in the past, so a slow day does not cause a burst afterwards.
        if let Some(interval) = self.speed.interval() {
            self.next_due = (started + interval).max(Instant::now());
        }
        self.publish()
    }

    /// Sends the current snapshot; `false` once the UI is gone.
    fn publish(&self) -> bool {
        self.events
            .send(EngineEvent::Update {
                run: self.run,
                snapshot: Box::new(self.engine.snapshot()),
            })
            .is_ok()
    }
}

struct Hangup;

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Scenario {
        let mut s = Scenario::load("default").unwrap();
        s.shoppers = 300;
        s.days = 3;
        s
    }

    /// The engine's events in order, however they were batched in the channel.
    struct Probe {
        handle: EngineHandle,
        queue: std::collections::VecDeque<(u64, u32)>,
    }

    impl Probe {
        fn new(speed: Speed) -> Self {
            Probe {
                handle: EngineHandle::spawn(tiny(), speed).unwrap(),
                queue: Default::default(),
            }
        }

        fn fetch(&mut self) {
            for EngineEvent::Update { run, snapshot } in self.handle.drain().unwrap() {
                self.queue.push_back((run, snapshot.day));
            }
        }

        /// The next (run, day), waiting for it.
        fn next(&mut self) -> (u64, u32) {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                self.fetch();
                if let Some(x) = self.queue.pop_front() {
                    return x;
                }
                assert!(Instant::now() < deadline, "no snapshot from the engine");
                thread::sleep(Duration::from_millis(2));
            }
        }
    }

    #[test]
    fn speed_levels_are_ordered_and_clamped() {
        assert_eq!(Speed::FLAT_OUT.faster(), Speed::FLAT_OUT);
        assert_eq!(Speed::SLOWEST.slower(), Speed::SLOWEST);
        assert_eq!(Speed::DEFAULT.label(), "5 d/s");
        assert_eq!(Speed::SLOWEST.label(), "0.5 d/s");
        assert_eq!(Speed::FLAT_OUT.label(), "flat out");
        assert!(Speed::FLAT_OUT.days_per_second().is_none());
    }

    #[test]
    fn paused_engine_steps_on_request_and_restarts_with_a_new_tag() {
        let mut p = Probe::new(Speed::SLOWEST);
        assert!(p.handle.send(Control::Pause(true)));
        assert_eq!(p.next(), (0, 0));
        // A day may have slipped in before the pause arrived; count from the last one seen.
        thread::sleep(Duration::from_millis(50));
        p.fetch();
        let before = p.queue.back().map_or(0, |&(_, d)| d);
        p.queue.clear();
        assert!(p.handle.send(Control::Step));
        assert_eq!(p.next(), (0, before + 1));
        let mut fresh = tiny();
        fresh.seed = 7;
        assert!(p.handle.send(Control::Restart {
            run: 1,
            scenario: Box::new(fresh)
        }));
        assert_eq!(p.next(), (1, 0));
    }

    #[test]
    fn flat_out_runs_to_the_horizon_and_stops() {
        let mut p = Probe::new(Speed::FLAT_OUT);
        let days: Vec<u32> = (0..4).map(|_| p.next().1).collect();
        assert_eq!(days, [0, 1, 2, 3]);
        thread::sleep(Duration::from_millis(50));
        p.fetch();
        assert!(p.queue.is_empty(), "the engine went past the horizon");
    }
}
