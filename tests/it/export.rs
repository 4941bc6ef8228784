//! `mixsim export`: the files read back equal what the taps saw, the pairing is right, the
//! bytes depend only on the seed, and an existing directory is refused with nothing written;
//! the watched links' aggregate traces are what the adversary's taps saw, over a window that
//! can be shorter than the attacks' sample sizes ask for.

use crate::common::{mixsim, scenario_path};
use mixsim::experiment::export::{export, watched, ExportOptions, POINT};
use mixsim::experiment::runner::tap_setup;
use mixsim::net::Network;
use mixsim::scenario::Scenario;
use std::path::Path;

fn small() -> Scenario {
    Scenario::load(
        &scenario_path("fig5-light.toml"),
        &["attack.sample_sizes=[150]".to_string()],
    )
    .expect("loads")
}

fn read<T: npyz::Deserialize>(dir: &Path, name: &str) -> (Vec<u64>, Vec<T>) {
    let f = npyz::NpyFile::new(std::fs::File::open(dir.join(name)).unwrap()).unwrap();
    let shape = f.shape().to_vec();
    (shape, f.into_vec().unwrap())
}

fn opts(out: &Path, jobs: usize) -> ExportOptions {
    ExportOptions {
        seed: 7,
        trials: 3,
        jobs,
        out: out.to_path_buf(),
        progress: Default::default(),
        window: None,
    }
}

#[test]
fn files_match_the_taps_and_the_pairing() {
    let s = small();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let summary = export(&s, &opts(&out, 2)).unwrap();
    let flows = s.flows.len();
    assert_eq!(summary.flows, flows);

    let (_, entry_t) = read::<u64>(&out, "entry_time_ns.npy");
    let (_, entry_s) = read::<u32>(&out, "entry_size.npy");
    let (_, entry_off) = read::<u64>(&out, "entry_offsets.npy");
    let (_, exit_t) = read::<u64>(&out, "exit_time_ns.npy");
    let (_, exit_off) = read::<u64>(&out, "exit_offsets.npy");
    let (pshape, pairs) = read::<u64>(&out, "pairs.npy");
    assert_eq!(pshape, vec![3 * flows as u64, 3]);
    assert_eq!(entry_off.len(), 3 * flows + 1);
    assert_eq!(*entry_off.last().unwrap() as usize, entry_t.len());
    assert_eq!(entry_t.len(), entry_s.len());
    assert_eq!(summary.entry_packets as usize, entry_t.len());
    assert_eq!(summary.exit_packets as usize, exit_t.len());

    let mut permuted = false;
    for trial in 0..3u64 {
        // The same trial through the ordinary trace path: every point of every link traced.
        let (net, _) = Network::run(&s.topology(), 7, trial, tap_setup(&s, true));
        for row in pairs.chunks(3).filter(|r| r[0] == trial) {
            let (f, exit_id) = (row[1] as usize, row[2] as usize);
            permuted |= f != exit_id;
            let side = |link: usize| -> Vec<u64> {
                let tap = &net.links[link].tap;
                tap.view()
                    .trace(POINT)
                    .iter()
                    .zip(&tap.ground_truth().flows[POINT as usize])
                    .filter(|(_, &l)| l as usize == f)
                    .map(|(r, _)| r.time)
                    .collect()
            };
            let r = trial as usize * flows + f;
            let got = &entry_t[entry_off[r] as usize..entry_off[r + 1] as usize];
            let want = side(s.flows[f].links[0]);
            assert!(!want.is_empty());
            assert_eq!(got, &want[..], "trial {trial} flow {f} entry");
            let r = trial as usize * flows + exit_id;
            let got = &exit_t[exit_off[r] as usize..exit_off[r + 1] as usize];
            assert_eq!(
                got,
                &side(*s.flows[f].links.last().unwrap())[..],
                "trial {trial} flow {f} exit"
            );
        }
    }
    assert!(permuted, "exit ids must not simply equal flow ids");
    assert!(entry_s.iter().all(|&b| b == 1000));

    // The CSV holds the same packets.
    let csv = std::fs::read_to_string(out.join("entry.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("trial,trace,time_ns,size_bytes"));
    let times: Vec<u64> = lines
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    assert_eq!(times, entry_t);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["flows_per_trial"], flows);
    // Seeds are strings in every file: a JSON number loses digits above 2^53 in most readers.
    assert!(manifest["seed"].is_string(), "{manifest}");
}

#[test]
fn same_seed_same_bytes_for_any_jobs() {
    let s = small();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    export(&s, &opts(&a, 1)).unwrap();
    export(&s, &opts(&b, 3)).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names.len(), 15, "{names:?}");
    for n in names {
        assert_eq!(
            std::fs::read(a.join(&n)).unwrap(),
            std::fs::read(b.join(&n)).unwrap(),
            "{n:?}"
        );
    }
}

#[test]
fn an_existing_directory_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let o = mixsim()
        .args([
            "export",
            scenario_path("fig5-light.toml").to_str().unwrap(),
            "--set",
            "attack.sample_sizes=[100]",
            "--trials",
            "1",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("already exists"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no partial directory may be left beside it");
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn watched_link_aggregates_over_a_shorter_window() {
    let s = Scenario::load(&scenario_path("fig5-light.toml"), &[]).expect("loads");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let window = 2_000_000_000; // 2 s, where the attack's largest sample size asks for 30 s
    let o = ExportOptions {
        window: Some(window),
        ..opts(&out, 2)
    };
    export(&s, &o).unwrap();
    let w = watched(&s);
    let names: Vec<&str> = w.iter().map(|&(l, _)| s.links[l].name.as_str()).collect();
    assert_eq!(names, ["alice->mix", "mix->bob", "mix->r2"]);
    let (_, t) = read::<u64>(&out, "link_time_ns.npy");
    let (_, size) = read::<u32>(&out, "link_size.npy");
    let (_, off) = read::<u64>(&out, "link_offsets.npy");
    assert_eq!(off.len(), 3 * w.len() + 1);
    let short = Scenario {
        duration: s.warmup + window,
        ..s.clone()
    };
    for trial in 0..3u64 {
        let (net, _) = Network::run(&short.topology(), 7, trial, tap_setup(&short, true));
        for (k, &(link, point)) in w.iter().enumerate() {
            let r = trial as usize * w.len() + k;
            let want = net.links[link].tap.view().trace(point);
            let got = off[r] as usize..off[r + 1] as usize;
            assert!(want.len() > 100, "trial {trial} watch {k}");
            assert_eq!(
                &t[got.clone()],
                &want.iter().map(|p| p.time).collect::<Vec<_>>()[..]
            );
            assert_eq!(
                &size[got],
                &want.iter().map(|p| p.size).collect::<Vec<_>>()[..]
            );
        }
    }
    assert!(t.iter().all(|&x| x <= s.warmup + window));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["window_s"], 2.0);
    assert_eq!(manifest["watched"][1]["point"], "depart");
    let zero = ExportOptions {
        window: Some(0),
        ..opts(&dir.path().join("zero"), 1)
    };
    assert!(export(&s, &zero).is_err());
}
