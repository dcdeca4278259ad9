/** Runs one webpack build inside a test; rejects with webpack's own error list when the build has errors. */
import webpack from 'webpack';

export function buildBundle(config: webpack.Configuration): Promise<void> {
  return new Promise((resolve, reject) => {
    webpack(config, (error, stats) => {
      if (error) reject(error);
      else if (stats?.hasErrors()) reject(new Error(stats.toString({ all: false, errors: true, errorDetails: true })));
      else resolve();
    });
  });
}
