//! The analytical model of seed 000 (src/model/correlation).

use mixsim::model::correlation::*;

fn fig5(service_rate: Option<f64>) -> MixModelParams {
    MixModelParams {
        lambda_f: 100.0,
        t_avg: 0.020,
        interval: 0.010,
        candidates: vec![
            CandidateLink {
                lambda_other: 400.0,
                service_rate,
            },
            CandidateLink {
                lambda_other: 500.0,
                service_rate,
            },
        ],
    }
}

#[test]
fn explore() {
    for (name, sr) in [("light", None), ("heavy", Some(625.0))] {
        let t0 = std::time::Instant::now();
        let s = predict(
            &fig5(sr),
            &[60, 300, 480, 1000, 3000, 3840, 30720],
            &ModelOptions::default(),
        );
        let el = t0.elapsed();
        println!("{name}: {:?}", el);
        println!(
            "i1 {} c1 {} i1c {} c1c {}",
            s.i1, s.c1, s.i1_conserving, s.c1_conserving
        );
        for p in &s.predictions {
            println!(
                "{:6} t1 {:.4} pr {:.4} t1c {:.4} imp {:.4} semi {:.4} r {:.2} s {:.2} {:?}",
                p.sample_size,
                p.theorem1,
                p.theorem1_as_printed,
                p.theorem1_conserving,
                p.improved,
                p.semi_analytic,
                p.improved_terms.r,
                p.improved_terms.s1,
                p.improved_terms.s_others
            );
        }
        println!("{:?}\n{:?}", s.means_published, s.means_conserving);
    }
}

#[test]
fn explore2() {
    use mixsim::attack::mi::plugin_mi;
    use rand::Rng;
    use rand_distr::weighted::WeightedAliasIndex;
    for sr in [None, Some(625.0)] {
        let laws = model_laws(&fig5(sr), LinkStage::Conserving);
        println!(
            "py0 {:?}",
            laws.target
                .py
                .iter()
                .map(|x| format!("{x:.4}"))
                .collect::<Vec<_>>()
        );
        println!(
            "py1 {:?}",
            laws.others[0]
                .iter()
                .map(|x| format!("{x:.4}"))
                .collect::<Vec<_>>()
        );
        let n = 480;
        let joint = WeightedAliasIndex::new(laws.target.p.clone()).unwrap();
        let o = WeightedAliasIndex::new(laws.others[0].clone()).unwrap();
        let ny = laws.target.ny;
        let mut rng = mixsim::engine::stream(5, 0, 0);
        let (mut a, mut a2, mut b, mut b2) = (0.0, 0.0, 0.0, 0.0);
        let reps = 4000;
        for _ in 0..reps {
            let mut x = vec![0u32; n];
            let mut y = vec![0u32; n];
            let mut z = vec![0u32; n];
            for i in 0..n {
                let c = rng.sample(&joint);
                x[i] = (c / ny) as u32;
                y[i] = (c % ny) as u32;
                z[i] = rng.sample(&o) as u32;
            }
            let i1 = plugin_mi(&x, &y);
            let i2 = plugin_mi(&x, &z);
            a += i1;
            a2 += i1 * i1;
            b += i2;
            b2 += i2 * i2;
        }
        let r = reps as f64;
        let t = ImprovedTerms::new(&laws.target.px, &laws.target.py, &laws.others, n);
        let i1 = mutual_information(&laws.target);
        let c1 = c_coefficient(&laws.target);
        println!(
            "I1hat mean {} sd {} | model {} sd {}",
            a / r,
            (a2 / r - (a / r).powi(2)).sqrt(),
            i1 + (t.r - 1.0) * (t.s1 - 1.0) / (2.0 * n as f64),
            (c1 / n as f64).sqrt()
        );
        let k = (t.r - 1.0) * (t.s_others[0] - 1.0);
        println!(
            "I2hat mean {} sd {} | model {} sd {}",
            b / r,
            (b2 / r - (b / r).powi(2)).sqrt(),
            k / (2.0 * n as f64),
            (2.0 * k).sqrt() / (2.0 * n as f64)
        );
    }
}

#[test]
fn explore3() {
    for sr in [None, Some(625.0)] {
        let laws = model_laws(&fig5(sr), LinkStage::Conserving);
        for n in [60usize, 480, 3000] {
            let nn = n as f64;
            let bx = expected_distinct(&laws.target.px, n);
            let by = expected_distinct(&laws.target.py, n);
            let bxy = expected_distinct(&laws.target.p, n);
            let bj = expected_distinct(&laws.others[0], n);
            let prod: Vec<f64> = laws
                .target
                .px
                .iter()
                .flat_map(|a| laws.others[0].iter().map(move |b| a * b))
                .collect();
            let bxj = expected_distinct(&prod, n);
            println!(
                "n {n} k1 naive {:.1} mm {:.1} | kj naive {:.1} mm {:.1}",
                (bx - 1.0) * (by - 1.0),
                bxy - bx - by + 1.0,
                (bx - 1.0) * (bj - 1.0),
                bxj - bx - bj + 1.0
            );
            let _ = nn;
        }
    }
}
