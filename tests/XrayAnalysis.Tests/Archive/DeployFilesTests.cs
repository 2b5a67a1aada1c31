using System.Diagnostics;
using System.Text.RegularExpressions;

namespace XrayAnalysis.Tests.Archive;

/// <summary>
/// The cluster files as text (no cluster here): the Kubernetes Indexed Job's shard count matches its --shard, pods are
/// never restarted in place, retries are per index, resources and volumes are set; the sbatch script parses.
/// </summary>
[TestFixture]
public sealed partial class DeployFilesTests
{
    private static string Manifest => File.ReadAllText(Path.Combine(TestData.RepoRoot, "deploy", "kubernetes", "xray-batch-job.yaml"));

    [Test]
    public void The_Kubernetes_job_is_indexed_and_its_completions_equal_the_shard_count()
    {
        string y = Manifest;
        Assert.That(y, Does.Contain("apiVersion: batch/v1").And.Contain("kind: Job").And.Contain("completionMode: Indexed"));
        int completions = int.Parse(Completions().Match(y).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int shards = int.Parse(Shard().Match(y).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(shards, Is.EqualTo(completions), "--shard N must equal completions");
        Assert.That(y, Does.Contain("restartPolicy: Never").And.Contain("backoffLimitPerIndex:"));
        Assert.That(y, Does.Contain("shard-$(JOB_COMPLETION_INDEX)").And.Contain("batch.kubernetes.io/job-completion-index"));
        Assert.That(y, Does.Contain("requests:").And.Contain("cpu:").And.Contain("memory:").And.Contain("limits:"));
        foreach (string v in new[] { "archive", "results", "models" })
        {
            Assert.That(y, Does.Contain($"- name: {v}\n          persistentVolumeClaim:").Or.Contain($"- name: {v}\r\n"), v);
        }

        Assert.That(y, Does.Not.Contain("\t"), "YAML has no tabs");
    }

    [Test]
    public void The_sbatch_script_parses_and_refuses_to_run_outside_an_array()
    {
        string script = Path.Combine(TestData.RepoRoot, "deploy", "slurm", "xray-batch.sbatch");
        using (Process n = Process.Start("bash", ["-n", script])!)
        {
            n.WaitForExit();
            Assert.That(n.ExitCode, Is.Zero);
        }

        var psi = new ProcessStartInfo("bash", [script, "a", "b", "c"]) { RedirectStandardError = true };
        psi.Environment.Remove("SLURM_ARRAY_TASK_ID");
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Not.Zero);
        Assert.That(err, Does.Contain("array job"));
    }

    [GeneratedRegex(@"completions:\s*(\d+)")]
    private static partial Regex Completions();

    [GeneratedRegex(@"--shard\s+(\d+)")]
    private static partial Regex Shard();
}
