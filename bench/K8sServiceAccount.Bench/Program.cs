namespace K8sServiceAccount.Bench;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("usage: K8sServiceAccount.Bench <scenario>");
        return 2;
    }
}
