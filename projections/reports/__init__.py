"""Reports computed from the stored views: responsibility, KPIs, quality, credit, premiums, fleet-wide signals."""
