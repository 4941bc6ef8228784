use mixsim::model::swirl::*;
fn main() {
    let p = SwirlParams::default();
    for (lambda, sigma) in [(4.4, 0.009), (9.5, 0.012), (4.4, 0.0062), (9.5, 0.0062)] {
        let pj = fn_pj(&p, sigma);
        let mu = (p.m as f64 - 1.0) / (2.0 * p.m as f64 * p.r as f64);
        let pj2 = 1.0 - (1.0 - mu) * (1.0 - pj);
        let fs = fn_s(&p, lambda, sigma);
        let fnp = |pj: f64| {
            poisson_expect(lambda * p.t, |n| {
                if n == 0 {
                    1.0
                } else {
                    let k = p.needed(n);
                    binom_tail(n - k + 1, n, pj)
                }
            })
        };
        let i1 = fs + (1.0 - fs) * fnp(pj);
        let i2 = fs + (1.0 - fs) * fnp(pj2);
        println!("lambda {lambda} sigma {sigma}: pj {pj:.4} fn_s {fs:.4} FN_I {i1:.4} -> {:.2}; with misses {i2:.4} -> {:.2}", 32.0*(1.0-i1), 32.0*(1.0-i2));
    }
}
